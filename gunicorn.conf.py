"""gunicorn's settings that belong with the code (docs/deployment.md#gunicorn); the host's
unit file passes the rest (workers, bind, timeouts). gunicorn reads this file from the
working directory by itself, or with ``--config gunicorn.conf.py``.

The access log leaves query strings and the Referer out: the portal puts no mobile or ID
number in a URL (issue 21), and this is the second wall should one arrive in a URL typed
or pasted by hand. ``%(U)s`` is the path without its query string; the default format's
``%(r)s`` (the request line) and ``%(f)s`` (the Referer) would log it whole."""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'

"""``make run``: serve the demo portal and, once it answers, say where and how to sign in.

The server is ``flask run`` (Werkzeug's development server) in a child process; Ctrl-C
stops both. Production runs gunicorn instead (docs/deployment.md).
"""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOST, PORT = "127.0.0.1", 5000
ADDRESS = f"http://{HOST}:{PORT}"
BANNER = f"""
  The portal is up: {ADDRESS}
  Sign in as  assoc-staff  (the association's intake desk), password  demo12345
  Other logins: bank1-a (a bank's handler), bank1-outlet1 (an outlet officer on a tablet),
  assoc-admin, bank1-admin … (README.md, "Demo logins"). Ctrl-C stops the server.
"""


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    flask = Path(sys.executable).with_name("flask")
    server = subprocess.Popen(
        [str(flask), "--app", "wsgi", "run", "--host", HOST, "--port", str(PORT)]
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(f"{ADDRESS}/login"):
            if server.poll() is not None:
                return server.returncode  # it said why (e.g. the port is taken)
            if time.monotonic() > deadline:
                print(f"The portal did not answer at {ADDRESS} within a minute.", file=sys.stderr)
                server.terminate()
                return 1
            time.sleep(0.2)
        print(BANNER, flush=True)
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""The landing page each role sees after signing in."""

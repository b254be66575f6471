"""What runs outside requests, across the domains: the deadline sweep (cron, every five
minutes) and the background job worker. The top floor: it may import every domain."""

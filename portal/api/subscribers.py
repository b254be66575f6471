"""What the API hears from the lifecycle: a case forwarded to a member or sent back to
it queues a signed webhook to that member's system."""

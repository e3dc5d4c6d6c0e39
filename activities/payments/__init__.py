"""Payment links: the gateway clients that create them and the activity the workflow calls."""

"""From a stored event to alerts: describing, templating, routing, delivering."""

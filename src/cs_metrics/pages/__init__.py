"""The HTML pages' shared parts: number formats, the Jinja2 templates, their CSS and JavaScript."""

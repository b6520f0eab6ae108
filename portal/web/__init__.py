"""What every page shares: htmx rendering, security headers, errors, assets."""

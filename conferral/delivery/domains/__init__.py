"""An organization's own sending domain: From address, DKIM keys, the DNS records to
publish and a check that they are, and its own mail service if it has one."""

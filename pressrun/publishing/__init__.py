"""Publishers: deliver finished content to a folder, a WordPress site or a signed webhook.

The interface and its shapes are in `base`; `factory` builds the site's publisher.
"""

"""Stage 1's clustering, as plain functions: search intent per keyword, incremental assignment
of keyword vectors to a site's clusters, and cluster names unique within a site."""

"""Conversion Service: mapping sets from source columns to XDM paths (AEP-CONV-1)."""

"""The association → member bank → unit tree, and tenancy scoping (Art. 2, 6, 9, 10)."""

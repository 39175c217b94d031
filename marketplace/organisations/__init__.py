"""Networks, municipalities (the tenants), their units and partner organisations."""

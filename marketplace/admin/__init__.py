"""Administration: a municipality's policy, units and audit log; networks and their members; the site's
networks, municipalities and status. The top of the house: it may use every room below."""

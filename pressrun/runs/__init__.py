"""A run seen from outside its workflow: planning, records, launch rules, control, progress."""

"""Schema Registry: tenant schemas composed of standard XDM classes and field groups (AEP-SR-1)."""

"""forcefs local Salesforce REST API emulator (see docs/emulator.md)."""

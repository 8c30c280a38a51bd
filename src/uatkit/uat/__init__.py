"""UAT packs: cases from features, Excel packs out and back, the ledger of marks, UAT results."""

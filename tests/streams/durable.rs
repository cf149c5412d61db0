//! Consumer groups survive reopen; replay rebuilds them exactly.

//! Railway and other sync destinations.

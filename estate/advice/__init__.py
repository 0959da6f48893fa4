"""What estate suggests doing with a system, from its facts: the migration disposition, the
commodity capabilities a bought service provides, and the sign-in a system should move to."""

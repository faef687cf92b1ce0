"""Operations on pressrun's data shared by the CLI, the API and the tests."""

"""Root conftest: the kit's fixtures for real PostgreSQL and RabbitMQ are available to every test."""

pytest_plugins = ["shared.testing.fixtures"]

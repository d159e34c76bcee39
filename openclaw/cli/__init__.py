"""The command line: ``main(argv) -> int``, one module per noun, each with ``register(sub)``."""

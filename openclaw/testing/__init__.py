"""Fakes that ship with the library: loopback servers and emulators for tests.

Nothing here is imported by the engine itself; the platform's own tests may use it.
"""

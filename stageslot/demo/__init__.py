"""The demo world `seed_demo` builds (one module per story, each through the services) and the scaled world
`seed_world` builds for load tests (world.py)."""

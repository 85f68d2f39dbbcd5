"""Reads on the replica and SQL compiled once: how queries reach the database."""

"""Stored files and images."""

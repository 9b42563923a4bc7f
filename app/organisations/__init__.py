"""Organisations (creditors, uitvoerders), their API keys and which gemeenten an uitvoerder serves."""

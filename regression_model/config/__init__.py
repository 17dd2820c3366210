"""Configuration: ``config.yml`` parsed with strictyaml, validated with pydantic."""

"""Data feeds: data.police.uk files (and, later, partner feeds): parse, validate, load."""

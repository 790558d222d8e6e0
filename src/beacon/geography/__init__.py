"""Geography: areas at each level (LSOA, ward, district, police force area), boundaries,
deprivation, postcodes, and ``locate(lat, lon)``."""

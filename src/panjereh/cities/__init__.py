"""The cities a deployment serves (issue 28): one row per city, with its code, names, centre, extent and the UTM
zone its distances are measured in. Every city-scoped row (parcels, counter offices, files, permit numbers) carries
the city it belongs to; agencies serve a set of cities. The app sits just above the kernel: it knows no domain."""

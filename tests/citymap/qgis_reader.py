"""Read the map the way a GIS officer does: QGIS's own OGC API – Features and vector-tile providers, signed in
with QGIS's stock Basic authentication configuration (its encrypted authentication database).

Run by Debian's Python with python3-qgis (tests/citymap/test_qgis.py), not the project's: QGIS is not on PyPI.
    python3 qgis_reader.py <base url> <username> <password> <collections,…> <tile layers,…> <lon> <lat>
Prints one JSON object: for each collection whether QGIS could add it, its feature count and the first names;
for each tile layer whether it is valid and how many pixels of a rendered 256 px map around (lon, lat) it drew.
"""

import json
import os
import sys
import tempfile


def main(base, username, password, collections, tile_layers, lon, lat):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    profile = tempfile.mkdtemp(prefix="qgis-profile-")
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = profile
    from qgis.core import (QgsApplication, QgsAuthMethodConfig, QgsCoordinateReferenceSystem,
                           QgsCoordinateTransform, QgsMapRendererSequentialJob, QgsMapSettings, QgsPointXY,
                           QgsProject, QgsRectangle, QgsVectorLayer, QgsVectorTileLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False)
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setMasterPassword("qgis-master-for-this-run", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("Panjereh")
    config.setConfig("username", username)
    config.setConfig("password", password)
    auth.storeAuthenticationConfig(config)
    authcfg = config.id()
    out = {"collections": {}, "tiles": {}}
    for code in [c for c in collections.split(",") if c]:
        layer = QgsVectorLayer(f"url='{base}/ogc' typename='{code}' authcfg={authcfg}", code, "OAPIF")
        entry = {"valid": layer.isValid(), "count": 0, "names": []}
        if layer.isValid():
            for feature in layer.getFeatures():
                entry["count"] += 1
                names = [feature[n] for n in ("name_fa", "name") if layer.fields().indexOf(n) >= 0]
                if names and names[0] and len(entry["names"]) < 3:
                    entry["names"].append(names[0])
        out["collections"][code] = entry
    web = QgsCoordinateReferenceSystem("EPSG:3857")
    centre = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), web, QgsProject.instance()) \
        .transform(QgsPointXY(float(lon), float(lat)))
    for code in [c for c in tile_layers.split(",") if c]:
        url = f"{base}/tiles/{code}/{{z}}/{{x}}/{{y}}.mvt"
        layer = QgsVectorTileLayer(f"type=xyz&url={url}&zmin=14&zmax=16&authcfg={authcfg}", code)
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(web)
        settings.setOutputSize(QSize(256, 256))
        settings.setBackgroundColor(QColor(255, 255, 255))
        half = 300.0
        settings.setExtent(QgsRectangle(centre.x() - half, centre.y() - half, centre.x() + half, centre.y() + half))
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        drawn = sum(1 for x in range(0, 256, 2) for y in range(0, 256, 2)
                    if image.pixelColor(x, y).name() != "#ffffff")
        out["tiles"][code] = {"valid": layer.isValid(), "drawn": drawn}
    print(json.dumps(out, ensure_ascii=False))
    app.exitQgis()


if __name__ == "__main__":
    main(*sys.argv[1:8])

"""Drawings made in the tests with ezdxf, by the convention of docs/plan-check.md (nothing downloaded): a lot,
storeys, a roof, parking bays and units, in millimetres as AutoCAD users draw."""

import io

import ezdxf


def dxf(*, lot=(12.5, 25.0), storeys=(), roof=None, parking=0, units=0, insunits=4, site=True, extra=None) -> bytes:
    """``lot``: width × depth in metres, the lot's south-west corner at (0, 0), north up. ``storeys``: one
    (x0, y0, x1, y1) rectangle in metres per floor from the ground up (or a list of points). ``roof``: the
    top's elevation in metres. ``parking``/``units``: how many bay and unit blocks."""
    mm = 1000.0 if insunits == 4 else 1.0
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = insunits
    msp = doc.modelspace()
    for name in ("PARKING", "UNIT"):
        block = doc.blocks.new(name=name)
        block.add_lwpolyline([(0, 0), (2500, 0), (2500, 5000), (0, 5000)], close=True)
    w, d = lot
    if site:
        msp.add_lwpolyline([(0, 0), (w * mm, 0), (w * mm, d * mm), (0, d * mm)], close=True,
                           dxfattribs={"layer": "A-SITE"})
    for n, outline in enumerate(storeys):
        points = outline if isinstance(outline, list) else [
            (outline[0], outline[1]), (outline[2], outline[1]), (outline[2], outline[3]), (outline[0], outline[3])]
        msp.add_lwpolyline([(x * mm, y * mm) for x, y in points], close=True,
                           dxfattribs={"layer": f"A-FLOOR-{n:02d}", "elevation": n * 3.2 * mm})
    if roof is not None and storeys:
        x0, y0, x1, y1 = storeys[-1]
        msp.add_lwpolyline([(x0 * mm, y0 * mm), (x1 * mm, y0 * mm), (x1 * mm, y1 * mm), (x0 * mm, y1 * mm)],
                           close=True, dxfattribs={"layer": "A-ROOF", "elevation": roof * mm})
    for i in range(parking):
        msp.add_blockref("PARKING", (i * 2600, 100), dxfattribs={"layer": "A-PARKING"})
    for i in range(units):
        msp.add_blockref("UNIT", (i * 5000, 9000), dxfattribs={"layer": "A-UNIT"})
    if extra:
        extra(msp, mm)
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def from_north(lot, depth, width_share=1.0):
    """A footprint rectangle of the lot's width (times ``width_share``) reaching ``depth`` m from the north."""
    w, d = lot
    return (0.0, d - depth, w * width_share, d)


def ifc(*, lot=(12.5, 25.0), storeys=(), parking=0, units=0, schema="IFC4", use="Residential", site=True,
        basement=False, georeference=None, millimetres=False, storey_areas=None, slab_areas=None,
        classification=None) -> bytes:
    """A building model made with ifcopenshell.api: the lot as the IfcSite's FootPrint, one storey per floor
    (3.2 m apart) with a 0.3 m slab of the given (x0, y0, x1, y1) outline, parking spaces, dwelling zones,
    Pset_BuildingCommon.OccupancyType; ``georeference``: (EPSG code, easting, northing) of the lot's corner;
    ``storey_areas`` / ``slab_areas``: the GrossFloorArea / GrossArea (m²) each floor's base quantities state;
    ``classification``: (system, code) of the building's classification reference."""
    import tempfile

    import ifcopenshell
    import ifcopenshell.api as api
    import numpy as np

    f = api.run("project.create_file", version=schema)
    if schema == "IFC2X3":  # IFC2X3 wants an owner history on every entity: a designer and their program
        import ifcopenshell.api.owner.settings as owner

        person = f.createIfcPerson(FamilyName="Designer")
        organisation = f.createIfcOrganization(Name="Office")
        user = f.createIfcPersonAndOrganization(ThePerson=person, TheOrganization=organisation)
        application = f.createIfcApplication(organisation, "1", "Test", "test")
        owner.get_user = lambda _file: user
        owner.get_application = lambda _file: application
    project = api.run("root.create_entity", f, ifc_class="IfcProject", name="Panjereh test")
    length = api.run("unit.add_si_unit", f, unit_type="LENGTHUNIT", prefix="MILLI" if millimetres else None)
    api.run("unit.assign_unit", f, units=[length])
    k = 1000.0 if millimetres else 1.0
    model = api.run("context.add_context", f, context_type="Model")
    body = api.run("context.add_context", f, context_type="Model", context_identifier="Body",
                   target_view="MODEL_VIEW", parent=model)
    plan = api.run("context.add_context", f, context_type="Plan")
    lot_site = api.run("root.create_entity", f, ifc_class="IfcSite", name="Lot")
    building = api.run("root.create_entity", f, ifc_class="IfcBuilding", name="House")
    api.run("aggregate.assign_object", f, relating_object=project, products=[lot_site])
    api.run("aggregate.assign_object", f, relating_object=lot_site, products=[building])
    w, d = lot
    if site:
        curve = f.createIfcPolyline([f.createIfcCartesianPoint((x * k, y * k))
                                     for x, y in [(0, 0), (w, 0), (w, d), (0, d), (0, 0)]])
        lot_site.Representation = f.createIfcProductDefinitionShape(Representations=[f.createIfcShapeRepresentation(
            ContextOfItems=plan, RepresentationIdentifier="FootPrint", RepresentationType="Curve2D", Items=[curve])])
    if use:
        pset = api.run("pset.add_pset", f, product=building, name="Pset_BuildingCommon")
        api.run("pset.edit_pset", f, pset=pset, properties={"OccupancyType": use})
    if classification:
        system = api.run("classification.add_classification", f, classification=classification[0])
        api.run("classification.add_reference", f, products=[building], identification=classification[1],
                name=classification[1], classification=system)
    levels = ([-3.2] if basement else []) + [n * 3.2 for n in range(len(storeys))]
    outlines = ([storeys[0]] if basement else []) + list(storeys)
    for n, (elevation, (x0, y0, x1, y1)) in enumerate(zip(levels, outlines)):
        storey = api.run("root.create_entity", f, ifc_class="IfcBuildingStorey", name=f"Level {n}")
        storey.Elevation = elevation * k
        api.run("aggregate.assign_object", f, relating_object=building, products=[storey])
        slab = api.run("root.create_entity", f, ifc_class="IfcSlab", name=f"Slab {n}")
        api.run("geometry.edit_object_placement", f, product=slab, matrix=np.array(
            [[1, 0, 0, x0 * k], [0, 1, 0, y0 * k], [0, 0, 1, elevation * k], [0, 0, 0, 1.0]]))
        shape = api.run("geometry.add_slab_representation", f, context=body, depth=0.3 * k,
                        polyline=[(0, 0), ((x1 - x0) * k, 0), ((x1 - x0) * k, (y1 - y0) * k), (0, (y1 - y0) * k)])
        api.run("geometry.assign_representation", f, product=slab, representation=shape)
        api.run("spatial.assign_container", f, relating_structure=storey, products=[slab])
        floor = n - (1 if basement else 0)
        for product, areas, qto_name, quantity in ((storey, storey_areas, "Qto_BuildingStoreyBaseQuantities",
                                                    "GrossFloorArea"),
                                                   (slab, slab_areas, "Qto_SlabBaseQuantities", "GrossArea")):
            if areas and 0 <= floor < len(areas):
                qto = api.run("pset.add_qto", f, product=product, name=qto_name)
                api.run("pset.edit_qto", f, qto=qto, properties={quantity: areas[floor]})  # m², the area unit
    for i in range(parking):
        space = api.run("root.create_entity", f, ifc_class="IfcSpace", name=f"P{i}")
        if schema == "IFC2X3":
            space.ObjectType = "PARKING"
        else:
            space.PredefinedType = "PARKING"
    for i in range(units):
        zone = api.run("root.create_entity", f, ifc_class="IfcZone", name=f"Unit {i + 1}")
        zone.ObjectType = "DWELLING"
    if georeference and schema != "IFC2X3":
        epsg, east, north = georeference
        crs = f.createIfcProjectedCRS(Name=f"EPSG:{epsg}")
        f.createIfcMapConversion(SourceCRS=model, TargetCRS=crs, Eastings=east, Northings=north,
                                 OrthogonalHeight=0.0, XAxisAbscissa=1.0, XAxisOrdinate=0.0, Scale=1.0 / k)
    with tempfile.NamedTemporaryFile(suffix=".ifc") as handle:
        f.write(handle.name)
        return open(handle.name, "rb").read()

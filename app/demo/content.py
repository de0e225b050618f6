"""Words for the demo city's problems: believable titles and descriptions per category."""

STREETS = [
    "Mill Lane",
    "Church Street",
    "Harbour Road",
    "Elm Avenue",
    "Station Square",
    "Baker Street",
    "Canal Walk",
    "Market Place",
    "Linden Close",
    "Weaver's Row",
    "North Quay",
    "Orchard Way",
    "School Lane",
    "Bridge Street",
    "Park Terrace",
    "Foundry Road",
    "Abbey Court",
    "Willow Drive",
]

TITLES: dict[str, list[str]] = {
    "pothole": [
        "Deep pothole on {street}",
        "Road surface breaking up on {street}",
        "Pothole by the crossing on {street}",
    ],
    "streetlight": [
        "Street light out on {street}",
        "Flickering lamp post on {street}",
        "Whole row of lights dark on {street}",
    ],
    "dumping": [
        "Sofa dumped on {street}",
        "Builders' rubble left on {street}",
        "Bags of rubbish dumped on {street}",
    ],
    "graffiti": [
        "Graffiti on the wall at {street}",
        "Tagged bus shelter on {street}",
        "Offensive graffiti on {street}",
    ],
    "sidewalk": [
        "Broken paving slabs on {street}",
        "Trip hazard on the pavement of {street}",
        "Kerb collapsed on {street}",
    ],
    "traffic-sign": [
        "Stop sign bent over on {street}",
        "Traffic light stuck on red at {street}",
        "Missing speed sign on {street}",
    ],
    "park": [
        "Broken swing in the playground near {street}",
        "Park bench smashed near {street}",
        "Gate off its hinges near {street}",
    ],
    "drainage": [
        "Blocked drain floods {street}",
        "Standing water after rain on {street}",
        "Drain cover missing on {street}",
    ],
    "tree": [
        "Fallen branch blocking {street}",
        "Tree leaning over the road on {street}",
        "Dead tree at risk of falling on {street}",
    ],
    "waste-bin": [
        "Overflowing bin on {street}",
        "Litter bin burnt out on {street}",
        "Recycling bins full for days on {street}",
    ],
}

DESCRIPTIONS: dict[str, str] = {
    "pothole": "Cars swerve to avoid it and cyclists have come off here. It gets bigger after every rain.",
    "streetlight": "The street is completely dark at night; people avoid walking here after sunset.",
    "dumping": "Dumped a few days ago and nobody has collected it. It is starting to block the pavement.",
    "graffiti": "Fresh spray paint on a wall that was cleaned last month. Visible from the school gate.",
    "sidewalk": "Several slabs are loose and tilted. Hard to pass with a pushchair or a wheelchair.",
    "traffic-sign": "Drivers do not see it any more; the junction has become dangerous at rush hour.",
    "park": "Children play here every afternoon; this needs fixing before someone gets hurt.",
    "drainage": "After every shower the water stays for hours and splashes onto the pavement.",
    "tree": "Looks unstable after the last storm. Part of the road is already blocked.",
    "waste-bin": "The bin has not been emptied in a week; rubbish is spilling over and attracting rats.",
}

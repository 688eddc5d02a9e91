"""Reference data for the trail-enrich tests, from MaxMind's own tools.

  build DIR SEED         MaxMind DBs (written by mmdb-writer) and the same data as GeoLite2,
                         DB-IP and IP2Location CSV tables, and the addresses to test
  lookup DB FILE         each address of FILE looked up by MaxMind's reader (maxminddb):
                         "address<TAB>prefix length<TAB>canonical JSON of the record, or null"
  addresses DB N SEED    N addresses for a real database: random, mapped, network boundaries
  geolite2               the path of the GeoLite2 City database of maxminddb-geolite2
"""
import ipaddress
import json
import os
import random
import sys


def canonical(value):
    """JSON with sorted keys, floats in repr form, bytes as {"$bytes": hex}."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, (bytes, bytearray)):
        return '{"$bytes":"' + bytes(value).hex() + '"}'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def lookup(db_path, addresses_path):
    import maxminddb
    reader = maxminddb.open_database(db_path)
    out = []
    for line in open(addresses_path):
        address = line.strip()
        if not address:
            continue
        try:
            record, prefix = reader.get_with_prefix_len(address)
        except ValueError:
            out.append(f"{address}\t-\terror")
            continue
        out.append(f"{address}\t{prefix}\t{'null' if record is None else canonical(record)}")
    print("\n".join(out))


PLACES = [
    # (geoname id, country id, country, country name, region code, region, city)
    (2643743, 2635167, "GB", "United Kingdom", "ENG", "England", "London"),
    (2673730, 2661886, "SE", "Sweden", "AB", "Stockholm", "Stockholm"),
    (1850147, 1861060, "JP", "Japan", "13", "Tokyo", "Tokyo"),
    (5391959, 6252001, "US", "United States", "CA", "California", "San Francisco"),
    (2988507, 3017382, "FR", "France", "IDF", "Île-de-France", "Paris"),
    (2950159, 2921044, "DE", "Germany", "BE", "Land Berlin", None),
    (3451190, 3469034, "BR", "Brazil", None, None, "Rio de Janeiro"),
    (1814991, 1814991, "CN", "China", None, None, None),
]
COUNTRY_ONLY = {p[1]: p for p in PLACES}


def build(directory, seed):
    from mmdb_writer import MMDBWriter, MmdbF32, MmdbI32, MmdbU64, MmdbU128
    from netaddr import IPSet
    rng = random.Random(seed)
    networks = []  # (network, place, fallback, lat, lon, asn, org)
    firsts = rng.sample([o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)], 60)
    for first in firsts:
        second = rng.randrange(256)
        prefix = rng.randrange(16, 29)
        base = (first << 24) | (second << 16) | (rng.randrange(1 << 16) & ~((1 << (32 - prefix)) - 1) & 0xFFFF)
        networks.append(ipaddress.ip_network((base, prefix)))
    for k in rng.sample(range(0x2a00, 0x2aff), 30):
        prefix = rng.randrange(32, 65)
        host = rng.randrange(1 << 32) << 64
        base = (k << 112) | (rng.randrange(1 << 16) << 96) | host
        networks.append(ipaddress.ip_network((base, prefix), strict=False))
    rows = []
    for network in networks:
        place = rng.choice(PLACES)
        fallback = rng.random() < 0.15
        lat, lon = round(rng.uniform(-60, 70), 4), round(rng.uniform(-180, 180), 4)
        asn = rng.randrange(1, 400000)
        org = None if rng.random() < 0.1 else rng.choice(["Telstra Pty Ltd", "Amazon.com, Inc.", "OVH SAS", "Ñandú Networks"])
        rows.append((network, place, fallback, lat, lon, asn, org))

    def city_record(place, fallback, lat, lon, extras):
        gid, cid, cc, cname, rcode, region, city = place
        country = {"geoname_id": cid, "iso_code": cc, "names": {"en": cname, "de": cname + "-de"}}
        record = {"location": {"latitude": lat, "longitude": lon, "accuracy_radius": rng.choice([5, 100, 1000])},
                  "registered_country": country}
        if fallback:
            return record
        record["country"] = country
        if city:
            record["city"] = {"geoname_id": gid, "names": {"en": city}}
        if region:
            record["subdivisions"] = [{"iso_code": rcode, "names": {"en": region}}, {"iso_code": "X", "names": {"en": "Second"}}]
        if extras:
            record["traits"] = {"f32": MmdbF32(rng.uniform(-1000, 1000)), "i32": MmdbI32(rng.randrange(-2**31, 2**31)),
                                "u64": MmdbU64(rng.randrange(2**64)), "u128": MmdbU128(rng.randrange(2**128)),
                                "small": rng.randrange(300), "flag": rng.random() < 0.5, "raw": bytes(rng.randrange(256) for _ in range(5)),
                                "long": "x" * rng.choice([28, 29, 300, 70000]), "list": [1, "two", 3.5, [], {}]}
        return record

    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Test-City", languages=["en"], description="trail test")
    city4 = MMDBWriter(ip_version=4, database_type="Test-City-IPv4", languages=["en"], description="trail test")
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Test-ASN", description="trail test")
    for network, place, fallback, lat, lon, number, org in rows:
        record = city_record(place, fallback, lat, lon, extras=rng.random() < 0.3)
        city.insert_network(IPSet([str(network)]), record)
        if network.version == 4:
            city4.insert_network(IPSet([str(network)]), record)
        asn.insert_network(IPSet([str(network)]), {"autonomous_system_number": number, **({"autonomous_system_organization": org} if org else {})})
    city.to_db_file(os.path.join(directory, "city.mmdb"))
    city4.to_db_file(os.path.join(directory, "city4.mmdb"))
    asn.to_db_file(os.path.join(directory, "asn.mmdb"))

    def write(name, lines):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))

    def csv_field(value):
        text = "" if value is None else str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text

    def csv(*values):
        return ",".join(csv_field(v) for v in values)

    def quoted(*values):
        return ",".join('"' + ("-" if v is None else str(v)) + '"' for v in values)

    header = csv("network", "geoname_id", "registered_country_geoname_id", "represented_country_geoname_id", "is_anonymous_proxy",
                 "is_satellite_provider", "postal_code", "latitude", "longitude", "accuracy_radius")
    blocks = {4: [header], 6: [header]}
    asn_blocks = {4: ["network,autonomous_system_number,autonomous_system_organization"]}
    asn_blocks[6] = list(asn_blocks[4])
    dbip, dbip_asn, ip2l_v4, ip2l_v6only, ip2l_v6 = [], [], [], [], []
    for network, place, fallback, lat, lon, number, org in rows:
        gid, cid, cc, cname, rcode, region, city_name = place
        first, last = network[0], network[-1]
        blocks[network.version].append(csv(network, "" if fallback else gid, cid, "", 0, 0, "", lat, lon, 100))
        asn_blocks[network.version].append(csv(network, number, org))
        region, city_name = (None, None) if fallback else (region, city_name)
        # These formats have no registered country: a network with no location has no country.
        cc, cname = (None, None) if fallback else (cc, cname)
        dbip.append(csv(first, last, "EU", cc, region, city_name, lat, lon))
        dbip_asn.append(csv(first, last, number, org))
        if network.version == 4:
            ip2l_v4.append(quoted(int(first), int(last), cc, cname, region, city_name, lat, lon))
            mapped = 0xFFFF00000000
            ip2l_v6.append(quoted(mapped + int(first), mapped + int(last), cc, cname, region, city_name, lat, lon))
        else:
            ip2l_v6only.append(quoted(int(first), int(last), cc, cname, region, city_name, lat, lon))
            ip2l_v6.append(ip2l_v6only[-1])
    locations = [csv("geoname_id", "locale_code", "continent_code", "continent_name", "country_iso_code", "country_name",
                     "subdivision_1_iso_code", "subdivision_1_name", "subdivision_2_iso_code", "subdivision_2_name",
                     "city_name", "metro_code", "time_zone", "is_in_european_union")]
    for gid, cid, cc, cname, rcode, region, city_name in PLACES:
        locations.append(csv(gid, "en", "EU", "Europe", cc, cname, rcode, region, "", "", city_name, "", "Europe/London", 0))
        if cid != gid:
            locations.append(csv(cid, "en", "EU", "Europe", cc, cname, "", "", "", "", "", "", "", 0))
    write("GeoLite2-City-Blocks-IPv4.csv", blocks[4])
    write("GeoLite2-City-Blocks-IPv6.csv", blocks[6])
    write("GeoLite2-City-Locations-en.csv", locations)
    write("GeoLite2-ASN-Blocks-IPv4.csv", asn_blocks[4])
    write("GeoLite2-ASN-Blocks-IPv6.csv", asn_blocks[6])
    write("dbip-city-lite.csv", dbip)
    write("dbip-asn-lite.csv", dbip_asn)
    write("IP2LOCATION-LITE-DB5.CSV", ip2l_v4)
    write("IP2LOCATION-LITE-DB5.IPV6-only.CSV", ip2l_v6only)
    write("IP2LOCATION-LITE-DB5.IPV6.CSV", ip2l_v6)

    addresses = []
    for network, *_ in rows:
        first, last = int(network[0]), int(network[-1])
        top = 2**32 if network.version == 4 else 2**128
        candidates = [first, last, first - 1, last + 1] + [rng.randrange(first, last + 1) for _ in range(3)]
        addresses += [str(ipaddress.ip_address(a) if network.version == 6 else ipaddress.IPv4Address(a)) for a in candidates if 0 <= a < top]
    addresses += [str(ipaddress.IPv4Address(rng.randrange(2**32))) for _ in range(1500)]
    addresses += [str(ipaddress.IPv6Address((rng.choice([0x2a, 0x24, 0x20]) << 120) | rng.randrange(2**120))) for _ in range(500)]
    write("addresses.txt", addresses)


def addresses(db_path, count, seed):
    """Random addresses, plus the first and last address of the network each falls in."""
    import maxminddb
    reader = maxminddb.open_database(db_path)
    rng = random.Random(seed)
    out = []
    for k in range(count):
        if k % 4 == 3:
            address = ipaddress.IPv6Address((0x2 << 124) | rng.randrange(2**124))
        else:
            address = ipaddress.IPv4Address(rng.randrange(2**32))
        out.append(str(address))
        record, prefix = reader.get_with_prefix_len(str(address))
        if record is not None and k % 5 == 0:
            network = ipaddress.ip_network((int(address), prefix), strict=False)
            out += [str(network[0]), str(network[-1])]
            if address.version == 4:
                out.append("::ffff:" + str(network[-1]))
    print("\n".join(out))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "build":
        build(sys.argv[2], int(sys.argv[3]))
    elif command == "lookup":
        lookup(sys.argv[2], sys.argv[3])
    elif command == "addresses":
        addresses(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "geolite2":
        import _maxminddb_geolite2
        print(os.path.join(os.path.dirname(_maxminddb_geolite2.__file__), "GeoLite2-City.mmdb"))

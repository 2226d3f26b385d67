"""conftest.free_port(): the ports it hands out never trip a test up."""
from conftest import free_port


def test_free_port_is_never_a_client_source_port():
    """Wait loops poll a port with connect() before dnsxld listens. A
    port from the ephemeral range can be handed to that very connect()
    as its source, and the socket then connects to itself (TCP
    simultaneous open): the test saw a listener that was not there and
    kept dnsxld from binding (regression: a CI run failed so)."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    for _ in range(200):
        assert free_port() < low


def test_free_port_never_repeats():
    """Tests take two ports (DNS, /metrics) before the server binds
    either; one port handed out twice kept dnsxld from starting
    (regression: test_shutdown failed so in CI)."""
    ports = [free_port() for _ in range(1000)]
    assert len(set(ports)) == len(ports)

# Toxiproxy image built offline from the toxiproxy-server binary etcd-chaos built (static Go build). Same entrypoint
# as the official ghcr.io/shopify/toxiproxy image; the backend passes `-host=0.0.0.0 -port=8474` itself.
FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/toxiproxy"]

# etcd image built offline from the binaries etcd-chaos resolved (static Go builds, or Debian's 3.4.23 with the
# libraries `ldd` lists). The build context is assembled by harness/docker/images.ts:
#   rootfs/usr/local/bin/{etcd,etcdctl[,etcdutl]}  (+ rootfs/lib*/... for dynamically linked binaries)
# Same layout as the official gcr.io/etcd-development/etcd images, so the backend runs either the same way.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
ENTRYPOINT ["/usr/local/bin/etcd"]

# The tree's own Modules/_ssl.c as an extension module, stock-ssl/_ssl.*.so,
# built with the flags the tree's Makefile builds its shared stdlib modules
# with. ci/build-embedded-cpython.sh runs it in a configured build directory
# whose built-in _ssl is pyssl's:
#
#   make -f ci/stock-ssl.mk stock-ssl
include Makefile

STOCK_SSL = stock-ssl/_ssl$(EXT_SUFFIX)

.PHONY: stock-ssl
stock-ssl: $(STOCK_SSL)

$(STOCK_SSL): $(srcdir)/Modules/_ssl.c
	@mkdir -p stock-ssl
	$(CC) $(PY_STDMODULE_CFLAGS) $(CCSHARED) $(MODULE__SSL_CFLAGS) -c $(srcdir)/Modules/_ssl.c -o stock-ssl/_ssl.o
	$(BLDSHARED) stock-ssl/_ssl.o $(MODULE__SSL_LDFLAGS) -o $@

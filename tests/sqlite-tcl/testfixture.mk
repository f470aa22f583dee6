# testfixture.mk: builds SQLite's TCL test harness twice from one configured
# SQLite source tree, stock and with walsafe compiled in as the default VFS.
# Used by scripts/run-sqlite-tcl.sh as
#   make -C <configured build dir> -f <this file> WALSAFE_ROOT=<repo> testfixture-stock testfixture-walsafe
#
# The flags are exactly those of SQLite's own `testfixture` rule (Makefile.in:
# TCC, TEMP_STORE, TESTFIXTURE_FLAGS, -DSQLITE_NO_SYNC=1), but every source is
# compiled to its own object, so that the two variants share the test
# harness objects, `make -j2` can use both cores, and a change in walsafe's
# vfs/ recompiles only vfs/ and relinks. The walsafe variant differs from the
# stock one only by -DSQLITE_EXTRA_INIT=walsafe_extra_init on sqlite3.c and
# by walsafe's sources (compiled with the same flags plus -I include -I vfs),
# as in README.md "Compiled into your own SQLite".

include Makefile

ifndef WALSAFE_ROOT
$(error WALSAFE_ROOT (the walsafe checkout) must be set)
endif

TF_FLAGS = -DSQLITE_NO_SYNC=1 $(TEMP_STORE) $(TESTFIXTURE_FLAGS)
TF_SRC = $(TESTSRC) $(TOP)/src/tclsqlite.c
TF_OBJ = $(patsubst %.c,tf/%.o,$(notdir $(TF_SRC)))
WS_SRC = $(wildcard $(WALSAFE_ROOT)/vfs/*.c)
WS_HDR = $(wildcard $(WALSAFE_ROOT)/vfs/*.h) $(WALSAFE_ROOT)/include/walsafe.h
WS_OBJ = $(patsubst %.c,tf/ws/%.o,$(notdir $(WS_SRC)))

# sqlite3.c also generates the headers the harness includes (parse.h,
# opcodes.h, keywordhash.h, sqlite3.h): build it first.
define tf_rule
tf/$(basename $(notdir $(1))).o: $(1) sqlite3.c
	@mkdir -p tf
	$$(TCC) $$(TF_FLAGS) -c $(1) -o $$@
endef
$(foreach s,$(TF_SRC),$(eval $(call tf_rule,$(s))))

tf/sqlite3-stock.o: sqlite3.c
	@mkdir -p tf
	$(TCC) $(TF_FLAGS) -c sqlite3.c -o $@

tf/sqlite3-walsafe.o: sqlite3.c
	@mkdir -p tf
	$(TCC) $(TF_FLAGS) -DSQLITE_EXTRA_INIT=walsafe_extra_init -c sqlite3.c -o $@

tf/ws/%.o: $(WALSAFE_ROOT)/vfs/%.c $(WS_HDR) sqlite3.c
	@mkdir -p tf/ws
	$(TCC) $(TF_FLAGS) -I$(WALSAFE_ROOT)/include -I$(WALSAFE_ROOT)/vfs -c $< -o $@

testfixture-stock: $(TF_OBJ) tf/sqlite3-stock.o
	$(TCC) -o $@ $^ $(LIBTCL) $(TLIBS)

# Relink when a vfs/ source is added or removed, too.
tf/ws/sources: FORCE
	@mkdir -p tf/ws
	@echo '$(notdir $(WS_SRC))' | cmp -s - $@ || echo '$(notdir $(WS_SRC))' >$@

testfixture-walsafe: $(TF_OBJ) tf/sqlite3-walsafe.o $(WS_OBJ) tf/ws/sources
	$(TCC) -o $@ $(filter %.o,$^) $(LIBTCL) $(TLIBS)

.PHONY: FORCE
FORCE:

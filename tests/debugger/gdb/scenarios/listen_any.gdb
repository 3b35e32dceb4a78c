# A non-loopback address needs --listen-any; refused without it (status 2),
# before any replay work.
# tracee: fib
# record-exit: 3
# mode: ebb
# ebb-args: --server 0.0.0.0:0
# exit: 2
# expect: refusing to listen on 0\.0\.0\.0.*--listen-any allows it

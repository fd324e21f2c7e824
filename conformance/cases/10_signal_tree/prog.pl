#!/usr/bin/perl
# Semantic 9: a signal is queued, then delivered to its target and all
# the target's descendants, deepest first, with ARG0 = the signal's name
# and its arguments after it, then the watcher's own arguments. A benign
# signal stops nothing, handled or not. signal() returns true, or undef
# with $! = ESRCH for a missing session. Signalling the kernel reaches
# every session, also when the signal comes from a leaf.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH);
$| = 1;

sub level {
  my ($depth) = @_;
  my $name = "L$depth";
  return POE::Session->create(
    inline_states => {
      _start => sub {
        my $kernel = $_[KERNEL];
        $kernel->alias_set($name);
        $kernel->sig(USR1 => "got_sig", "watch-$name");
        $kernel->sig(SHUTDOWN => "shutdown");
        level($depth + 1) if $depth < 3;
        if ($depth == 1) {
          my $r = $kernel->signal($_[SESSION], "USR1", "one", "two");
          print "signal to L1: ", ($r ? "ok" : "failed"), "\n";
          print "signal is queued, L1 _start ends\n";
        }
      },
      got_sig => sub {
        my @args = @_[ARG0 .. $#_];
        print "$name got ", join(" ", @args), "\n";
      },
      next => sub {
        my $kernel = $_[KERNEL];
        my $r = $kernel->signal("L2", "USR1", "to-L2");
        print "signal to L2: ", ($r ? "ok" : "failed"), "\n";
        $r = $kernel->signal("nobody", "USR1");
        print "signal to nobody: ", ($r ? "ok" : $! == ESRCH ? "ESRCH" : "?"), "\n";
        $kernel->post("L3", "last");
      },
      last => sub {
        print "$name last: nobody stopped\n";
        $_[KERNEL]->signal($_[KERNEL], "SHUTDOWN", "to-kernel");
      },
      shutdown => sub {
        print "$name got $_[ARG0] $_[ARG1]\n";
        $_[KERNEL]->alias_remove($name);
      },
      _stop => sub { print "$name _stop\n" },
    },
  );
}

level(1);
$poe_kernel->post("L1", "next");
POE::Kernel->run();
print "run returned\n";

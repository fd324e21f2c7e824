#!/usr/bin/perl
# Timer API: delay replaces every timer of the same name (delay_add ones
# too, and alarm replaces delays); delay with no time clears them;
# delay_set returns an ID and delay_adjust re-times it from now. delay
# returns 0, or EINVAL for an undefined name.
use strict;
use warnings;
use POE;
use Time::HiRes qw(time);
use Errno qw(EINVAL);
$| = 1;

sub code { my $r = shift; return $r == 0 ? "ok" : $r == EINVAL ? "EINVAL" : "code $r" }

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      my $base = time;
      print "delay d: ", code($kernel->delay(d => 0.2, "first")), "\n";
      print "delay_add d: ", code($kernel->delay_add(d => 0.22, "second")), "\n";
      print "delay_add d: ", code($kernel->delay_add(d => 0.24, "third")), "\n";
      print "delay d again: ", code($kernel->delay(d => 0.05, "replaced")), "\n";
      my $id = $kernel->delay_set(s => 0.5, "set");
      print "delay_set: ", ($id ? "id" : "?"), "\n";
      my $t = $kernel->delay_adjust($id, 0.1);
      printf "delay_adjust -> %.1f from now\n", $t - time;
      print "delay_add x: ", code($kernel->delay_add(x => 0.06)), "\n";
      print "delay x cleared: ", code($kernel->delay("x")), "\n";
      print "delay_add y: ", code($kernel->delay_add(y => 0.03, "delayed")), "\n";
      print "alarm y: ", code($kernel->alarm(y => $base + 0.15, "alarmed")), "\n";
      print "delay undef name: ", code($kernel->delay(undef, 1)), "\n";
      print "delay_add undef name: ", code($kernel->delay_add(undef, 1)), "\n";
      print "delay zero: ", code($kernel->delay(z => 0, "zero")), "\n";
    },
    d => sub { print "d fired $_[ARG0]\n" },
    s => sub { print "s fired $_[ARG0]\n" },
    x => sub { print "x fired\n" },
    y => sub { print "y fired $_[ARG0]\n" },
    z => sub { print "z fired $_[ARG0]\n" },
    _stop => sub { print "_stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

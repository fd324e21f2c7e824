#!/usr/bin/perl
# refcount_increment and refcount_decrement return the tag's new count,
# or undef with $! = ESRCH for a missing session; a session held by an
# extra reference lives until the count drops to zero.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH);
$| = 1;

sub show { my $r = shift; return defined $r ? $r : $! == ESRCH ? "ESRCH" : "undef" }

POE::Session->create(
  inline_states => {
    _start => sub {
      my ($kernel, $id) = ($_[KERNEL], $_[SESSION]->ID);
      print "inc a: ", show($kernel->refcount_increment($id, "a")), "\n";
      print "inc a: ", show($kernel->refcount_increment($id, "a")), "\n";
      print "inc b: ", show($kernel->refcount_increment($id, "b")), "\n";
      print "dec a: ", show($kernel->refcount_decrement($id, "a")), "\n";
      print "dec a: ", show($kernel->refcount_decrement($id, "a")), "\n";
      print "inc missing: ", show($kernel->refcount_increment(99, "x")), "\n";
      print "dec missing: ", show($kernel->refcount_decrement(99, "x")), "\n";
    },
    _stop => sub { print "held _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->delay(release => 0.1) },
    release => sub {
      print "releaser: held is ", ($_[KERNEL]->ID_id_to_session(1) ? "alive" : "gone"), "\n";
      print "dec b: ", show($_[KERNEL]->refcount_decrement(1, "b")), "\n";
      $_[KERNEL]->yield("check");
    },
    check => sub {
      print "releaser: held is ", ($_[KERNEL]->ID_id_to_session(1) ? "alive" : "gone"), "\n";
    },
    _stop => sub { print "releaser _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

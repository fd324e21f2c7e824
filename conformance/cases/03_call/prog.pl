#!/usr/bin/perl
# Semantic 3: call is synchronous and re-entrant and returns the
# handler's value; post returns true, or undef with $! = ESRCH for a
# missing destination.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH);
$| = 1;

sub errname { return $! == ESRCH ? "ESRCH" : "errno " . ($! + 0) }

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("server") },
    double => sub {
      my ($kernel, $sender, $n) = @_[KERNEL, SENDER, ARG0];
      print "server double $n from ", $sender->ID, "\n";
      my $inc = $kernel->call($sender, "increment", $n);
      print "server got $inc back from the re-entrant call\n";
      return 2 * $inc;
    },
    done => sub { $_[KERNEL]->alias_remove("server") },
    _stop => sub { print "server stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("go") },
    go => sub {
      my ($kernel, $session) = @_[KERNEL, SESSION];
      my $r = $kernel->call("server", "double", 20);
      print "client call returned $r\n";
      $r = $kernel->call($session, "increment", 1);
      print "client call to itself returned $r\n";
      $r = $kernel->call("server", "no_such_state");
      print "call to a missing state returned ", (defined $r ? $r : "undef"), "\n";
      $r = $kernel->call("nobody", "double", 1);
      print "call to a missing session: ", (defined $r ? $r : "undef"), " ", errname(), "\n";
      $r = $kernel->post("nobody", "double", 1);
      print "post to a missing session: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->post(99, "double", 1);
      print "post to a missing ID: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->post(1, "done");
      print "post to ID 1: ", ($r ? "ok" : errname()), "\n";
    },
    increment => sub {
      print "client increment $_[ARG0]\n";
      return $_[ARG0] + 1;
    },
    _stop => sub { print "client stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

#!/usr/bin/perl
# Postbacks and callbacks: ARG0 holds the creation arguments and ARG1 the
# call's; a postback posts (SENDER is the session that calls it), a
# callback calls and returns the handler's value. Each keeps its session
# alive until it is released (undef in Perl, Release in Go).
use strict;
use warnings;
use POE;
$| = 1;

my ($postback, $callback);

POE::Session->create(
  inline_states => {
    _start => sub {
      $postback = $_[SESSION]->postback("got_pb", "c1", "c2");
      $callback = $_[SESSION]->callback("got_cb", "cc");
      print "holder made a postback and a callback\n";
    },
    got_pb => sub {
      my ($req, $resp) = @_[ARG0, ARG1];
      print "holder got_pb from ", $_[SENDER]->ID, " req=[@$req] resp=[@$resp]\n";
    },
    got_cb => sub {
      my ($req, $resp) = @_[ARG0, ARG1];
      print "holder got_cb from ", $_[SENDER]->ID, " req=[@$req] resp=[@$resp]\n";
      return "cb-$resp->[0]";
    },
    _stop => sub { print "holder _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("use") },
    use => sub {
      $postback->("a", "b");
      print "user posted through the postback\n";
      my $r = $callback->("x");
      print "user: callback returned $r\n";
      undef $callback;
      $_[KERNEL]->delay(later => 0.05);
    },
    later => sub {
      $postback->("late");
      undef $postback;
      print "user released the postback\n";
    },
    _stop => sub { print "user _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

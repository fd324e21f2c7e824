#!/usr/bin/perl
# Semantic 9: UIDESTROY and ZOMBIE stop the sessions they reach even when
# a handler calls sig_handled.
use strict;
use warnings;
use POE;
$| = 1;

sub target {
  my ($name, $signal) = @_;
  POE::Session->create(
    inline_states => {
      _start => sub {
        $_[KERNEL]->alias_set($name);
        $_[KERNEL]->sig($signal => "got");
      },
      got => sub {
        print "$name got $_[ARG0], calls sig_handled\n";
        $_[KERNEL]->sig_handled();
      },
      _stop => sub { print "$name _stop\n" },
    },
  );
}

target("ui", "UIDESTROY");
target("zombie", "ZOMBIE");
target("handled", "INT");

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("go") },
    go => sub {
      my $kernel = $_[KERNEL];
      $kernel->signal("ui", "UIDESTROY");
      $kernel->signal("zombie", "ZOMBIE");
      $kernel->signal("handled", "INT");
      $kernel->yield("check");
    },
    check => sub {
      for my $name (qw(ui zombie handled)) {
        print "$name is ", (defined $_[KERNEL]->alias_resolve($name) ? "alive" : "gone"), "\n";
      }
      $_[KERNEL]->signal("handled", "UIDESTROY");
    },
    _stop => sub { print "driver _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

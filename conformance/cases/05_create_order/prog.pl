#!/usr/bin/perl
# Semantic 5: a child's _start runs inside create, with the creator as
# SENDER and create's args as ARG0..; then the parent gets
# _child("create", child, <_start's return>); then create returns.
use strict;
use warnings;
use POE;
$| = 1;

sub child_states {
  my ($name, $depth) = @_;
  return {
    _start => sub {
      my ($session, $sender, @args) = @_[SESSION, SENDER, ARG0 .. $#_];
      print "$name _start id=", $session->ID, " sender=",
        ($sender == $_[KERNEL] ? "kernel" : $sender->ID),
        " args=", join(",", @args), "\n";
      if ($depth < 2) {
        my $child = POE::Session->create(
          inline_states => child_states("$name.1", $depth + 1),
          args => [ "from-$name", $depth + 1 ],
        );
        print "$name create returned ", $child->ID, "\n";
      }
      print "$name _start ends\n";
      return "ret-$name";
    },
    _child => sub {
      my ($what, $child, $ret) = @_[ARG0, ARG1, ARG2];
      print "$name _child $what ", $child->ID, " ", (defined $ret ? $ret : "undef"), "\n";
    },
    _stop => sub { print "$name _stop\n"; return "stop-$name" },
  };
}

my $top = POE::Session->create(
  inline_states => child_states("top", 0),
  args => [ "x", "y" ],
);
print "top create returned ", $top->ID, "\n";

POE::Kernel->run();
print "run returned\n";

#!/usr/bin/perl
# Semantic 9: terminal signals (INT, TERM, ...) stop every session they
# reach unless a handler calls sig_handled; a handler's return value does
# not count. A session that watches nothing is stopped too.
use strict;
use warnings;
use POE;
$| = 1;

my $handle = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("A");
      $_[KERNEL]->sig(INT => "int");
      POE::Session->create(
        inline_states => {
          _start => sub { $_[KERNEL]->alias_set("B"); $_[KERNEL]->sig(INT => "int") },
          int => sub {
            print "B got $_[ARG0], ", ($handle ? "handles it" : "returns true"), "\n";
            $_[KERNEL]->sig_handled() if $handle;
            return 1;
          },
          _stop => sub { print "B _stop\n" },
        },
      );
    },
    int => sub { print "A got $_[ARG0]\n"; return 1 },
    _child => sub { print "A _child $_[ARG0] ", $_[ARG1]->ID, "\n" if $_[ARG0] ne "create" },
    _stop => sub { print "A _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("D") },
    _stop => sub { print "D _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("C"); $_[KERNEL]->yield("step", 1) },
    step => sub {
      my ($kernel, $step) = @_[KERNEL, ARG0];
      print "C step $step\n";
      if ($step == 1) {
        $kernel->signal("A", "INT");
      }
      elsif ($step == 2) {
        $handle = 0;
        $kernel->signal("A", "INT");
      }
      elsif ($step == 3) {
        $kernel->signal("D", "TERM");
      }
      else {
        $kernel->alias_remove("C");
        return;
      }
      $kernel->yield("step", $step + 1);
    },
    _stop => sub { print "C _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";

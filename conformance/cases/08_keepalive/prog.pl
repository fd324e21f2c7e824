#!/usr/bin/perl
# Semantic 7: a session lives while it has an alias, a timer, a child, an
# extra reference or a live postback; a signal watcher alone keeps
# nothing alive.
use strict;
use warnings;
use POE;
$| = 1;

my $postback;

sub named {
  my ($name, %states) = @_;
  POE::Session->create(
    inline_states => {
      _stop => sub { print "$name _stop\n" },
      %states,
    },
  );
}

named("watcher", _start => sub { $_[KERNEL]->sig(USR2 => "usr2") }, usr2 => sub {});
named("aliased", _start => sub { $_[KERNEL]->alias_set("aliased") },
  release => sub { print "aliased release\n"; $_[KERNEL]->alias_remove("aliased") });
named("counted", _start => sub {
    my $n = $_[KERNEL]->refcount_increment($_[SESSION]->ID, "hold");
    print "counted refcount_increment $n\n";
  },
  poke => sub { print "counted poke\n" });
named("called back", _start => sub { $postback = $_[SESSION]->postback("pb", "ctx") },
  pb => sub { print "called back pb $_[ARG0][0] $_[ARG1][0]\n" });
named("parent", _start => sub {
    named("child", _start => sub { $_[KERNEL]->delay(bye => 0.15) }, bye => sub { print "child bye\n" });
  },
  _child => sub { print "parent _child $_[ARG0]\n" });
named("timer", _start => sub { $_[KERNEL]->delay(tick => 0.05) },
  tick => sub {
    my $kernel = $_[KERNEL];
    print "timer tick\n";
    $kernel->post("aliased", "release");
    $kernel->post(3, "poke");
    my $n = $kernel->refcount_decrement(3, "hold");
    print "timer refcount_decrement $n\n";
    $postback->("x");
    undef $postback;
  });

POE::Kernel->run();
print "run returned\n";

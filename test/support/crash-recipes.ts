/**
 * Expressions that took the whole server down (a V8 fatal error) or blocked its event loop for
 * seconds before expressions ran in the sandbox (src/sandbox/). Each must now fail one
 * evaluation and nothing else.
 */
export const CRASH_RECIPES: Record<string, string> = {
  // Fatal "invalid size" (GrowArrayElements) while padding with a two-character fill.
  padTwoCharFill: '$pad("x", 200000000, "ab")',
  // Fatal "invalid size" (StringToArray): a 200-million-character string split into characters.
  splitIntoCharacters: '$split($pad("x", 200000000), "")',
  // A billion-character pad.
  padBillion: '$pad("x", 1000000000)',
  // Doubling a string by recursion until V8's string limit.
  doublingConcatenation: '($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $split($f("x", 28), ""))',
  // Ten million numbers written out as text: seconds in one built-in call.
  stringOfHugeRange: "$string([1..10000000])",
  // A joined range of ten million strings.
  joinOfHugeRange: '$join([1..10000000].("xxxxxxxxxx"))',
  // One array referenced many times: small in memory, enormous as text.
  stringOfSharedArray: '($a := [1..1000000]; $string({"a": $a, "b": $a, "c": $a, "d": $a, "e": $a, "f": $a}))',
  // Catastrophic backtracking on a backtracking regex engine.
  backtrackingRegex: '$match($pad("", 30, "a") & "b", /(a+)+$/)',
};

/** A recipe for a filter (same dangers, used as a condition). */
export const CRASH_FILTER = '$length($pad("x", 200000000, "ab")) > 0';

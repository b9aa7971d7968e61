# Oracle for `kensa version compare RubyGems`: reads "A<TAB>B" lines and
# prints how Gem::Version orders them ("<", "=", ">"), or "E" when either is
# malformed (or blank, which Gem::Version would read as "0"). One process.
out = []
STDIN.each_line do |line|
  line = line.chomp
  next if line.empty?
  a, b = line.split("\t", 2)
  if a.nil? || b.nil? || a.strip.empty? || b.strip.empty? || !Gem::Version.correct?(a) || !Gem::Version.correct?(b)
    out << "E"
    next
  end
  c = Gem::Version.new(a) <=> Gem::Version.new(b)
  out << (c < 0 ? "<" : c > 0 ? ">" : "=")
end
STDOUT.write(out.map { |s| s + "\n" }.join)

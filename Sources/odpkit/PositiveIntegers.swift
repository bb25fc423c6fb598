/// The integers of a comma-separated option (`1,16,256`); nil unless there is at least one and every
/// field is an integer in `1...maximum`.
func positiveIntegers(_ list: String, upTo maximum: Int) -> [Int]? {
    let fields = list.split(separator: ",", omittingEmptySubsequences: false)
    let values = fields.compactMap { Int($0) }.filter { (1...maximum).contains($0) }
    return !values.isEmpty && values.count == fields.count ? values : nil
}
